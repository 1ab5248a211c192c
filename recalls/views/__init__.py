"""The recall pages, by topic: recalls.py (the recall), consignees.py, documents.py (files and uploads)."""
