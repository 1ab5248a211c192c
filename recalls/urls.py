from django.urls import path

from recalls.views import consignees, documents, recalls

app_name = "recalls"

urlpatterns = [
    path("", recalls.RecallListView.as_view(), name="recall_list"),
    path("new/", recalls.RecallCreateView.as_view(), name="recall_create"),
    path("<int:pk>/", recalls.RecallDetailView.as_view(), name="recall_detail"),
    path("<int:pk>/edit/", recalls.RecallEditView.as_view(), name="recall_edit"),
    path("<int:pk>/open/", recalls.RecallOpenView.as_view(), name="recall_open"),
    path("<int:pk>/close/", recalls.RecallCloseView.as_view(), name="recall_close"),
    path("<int:pk>/later-shipments/", recalls.LaterShipmentsView.as_view(), name="later_shipments"),
    path("<int:pk>/consignees/<int:consignee_pk>/", consignees.ConsigneeDetailView.as_view(), name="consignee_detail"),
    path("<int:pk>/consignees/<int:consignee_pk>/letter/", consignees.ConsigneeLetterView.as_view(),
         name="consignee_letter"),
    path("<int:pk>/letters/merged/", documents.MergedLettersView.as_view(), name="merged_letters"),
    path("<int:pk>/letters/mail-merge/", documents.MailMergeView.as_view(), name="mail_merge"),
    path("<int:pk>/documents/<int:document_pk>/", documents.DocumentView.as_view(), name="document"),
    path("<int:pk>/responses/", documents.ResponsesUploadView.as_view(), name="responses"),
    path("<int:pk>/status-report/", documents.StatusReportView.as_view(), name="status_report"),
    path("<int:pk>/fda-report/", documents.FdaReportView.as_view(), name="fda_report"),
]
