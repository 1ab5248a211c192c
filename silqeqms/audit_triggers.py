"""Kept for migrations 0002 and 0003, which import it by this name: the triggers live in silqeqms.audit.triggers."""

from silqeqms.audit.triggers import TABLE, install, install_statements, remove, remove_statements

__all__ = ["TABLE", "install", "install_statements", "remove", "remove_statements"]
