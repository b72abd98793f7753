from django.urls import path, re_path

from .views import (
    activity_report,
    attendance,
    imports,
    records,
    reports,
    scores,
    signin,
)

app_name = "trainings"

urlpatterns = [
    path("", records.TrainingListView.as_view(), name="list"),
    path("<int:pk>/", records.TrainingDetailView.as_view(), name="detail"),
    path("<int:pk>/history/", records.TrainingHistoryView.as_view(), name="history"),
    path("new/", records.TrainingCreateView.as_view(), name="create"),
    path("<int:pk>/edit/", records.TrainingUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", records.TrainingDeleteView.as_view(), name="delete"),
    path("<int:pk>/enrol/", records.TrainingEnrolView.as_view(), name="enrol"),
    path(
        "<int:pk>/attendance/",
        attendance.AttendanceGridView.as_view(),
        name="attendance",
    ),
    path("<int:pk>/scores/", scores.TrainingScoresView.as_view(), name="scores"),
    path(
        "<int:pk>/sign-in-sheet/",
        signin.SignInSheetView.as_view(),
        name="signin_sheet",
    ),
    path(
        "<int:pk>/sign-in-sheet.pdf",
        signin.SignInSheetPdfView.as_view(),
        name="signin_sheet_pdf",
    ),
    path(
        "enrolments/<int:pk>/delete/",
        records.EnrolmentDeleteView.as_view(),
        name="enrolment_delete",
    ),
    path("<int:pk>/import/", imports.ParticipantImportView.as_view(), name="import"),
    path(
        "<int:pk>/import/<str:token>/",
        imports.ParticipantImportPreviewView.as_view(),
        name="import_preview",
    ),
    path("report/", reports.ReportView.as_view(), name="report"),
    path(
        "report/trainings/",
        reports.ReportTrainingsView.as_view(),
        name="report_trainings",
    ),
    re_path(
        r"^report/export\.(?P<fmt>xlsx|csv)$",
        reports.ReportExportView.as_view(),
        name="report_export",
    ),
    re_path(
        r"^report/participants\.(?P<fmt>xlsx|csv)$",
        reports.ReportParticipantsExportView.as_view(),
        name="report_participants",
    ),
    re_path(
        r"^(?P<pk>[0-9]+)/participants\.(?P<fmt>xlsx|csv)$",
        reports.TrainingParticipantsExportView.as_view(),
        name="export_participants",
    ),
    path(
        "<int:pk>/summary.xlsx",
        reports.TrainingSummaryExportView.as_view(),
        name="export_summary",
    ),
    path(
        "<int:pk>/activity-report.docx",
        activity_report.ActivityReportDocxView.as_view(),
        name="activity_report_docx",
    ),
]
