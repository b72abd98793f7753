from django.urls import path, re_path

from . import views

app_name = "trainings"

urlpatterns = [
    path("", views.TrainingListView.as_view(), name="list"),
    path("<int:pk>/", views.TrainingDetailView.as_view(), name="detail"),
    path("new/", views.TrainingCreateView.as_view(), name="create"),
    path("<int:pk>/edit/", views.TrainingUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", views.TrainingDeleteView.as_view(), name="delete"),
    path("<int:pk>/enrol/", views.TrainingEnrolView.as_view(), name="enrol"),
    path("<int:pk>/attendance/", views.AttendanceGridView.as_view(), name="attendance"),
    path(
        "<int:pk>/sign-in-sheet/",
        views.SignInSheetView.as_view(),
        name="signin_sheet",
    ),
    path(
        "<int:pk>/sign-in-sheet.pdf",
        views.SignInSheetPdfView.as_view(),
        name="signin_sheet_pdf",
    ),
    path(
        "enrolments/<int:pk>/delete/",
        views.EnrolmentDeleteView.as_view(),
        name="enrolment_delete",
    ),
    # Deleted records (issue 7)
    path("deleted/", views.DeletedRecordListView.as_view(), name="deleted"),
    path(
        "deleted/<slug:kind>/<int:history_id>/restore/",
        views.RecordRestoreView.as_view(),
        name="restore",
    ),
    # Reports and exports (issue 4)
    path("report/", views.ReportView.as_view(), name="report"),
    path(
        "report/trainings/",
        views.ReportTrainingsView.as_view(),
        name="report_trainings",
    ),
    re_path(
        r"^report/export\.(?P<fmt>xlsx|csv)$",
        views.ReportExportView.as_view(),
        name="report_export",
    ),
    re_path(
        r"^report/participants\.(?P<fmt>xlsx|csv)$",
        views.ReportParticipantsExportView.as_view(),
        name="report_participants",
    ),
    re_path(
        r"^(?P<pk>[0-9]+)/participants\.(?P<fmt>xlsx|csv)$",
        views.TrainingParticipantsExportView.as_view(),
        name="export_participants",
    ),
    path(
        "<int:pk>/summary.xlsx",
        views.TrainingSummaryExportView.as_view(),
        name="export_summary",
    ),
]
