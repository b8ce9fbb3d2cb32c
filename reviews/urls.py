"""Browser pages and feeds."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from . import feeds, views
from .forms import QueuedPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=QueuedPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invite/<str:code>/", views.invite_accept, name="invite_accept"),
    path("account/profile/", views.profile_edit, name="profile_edit"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/email/", views.email_change, name="email_change"),
    path("account/email/remove/", views.email_remove, name="email_remove"),
    path("account/email/verify/<str:token>/", views.email_verify, name="email_verify"),
    path("account/feed-key/", views.feed_key_create, name="feed_key_create"),
    path("account/feed-key/revoke/", views.feed_key_revoke, name="feed_key_revoke"),
    path("lists/<str:slug>/", views.reading_list, name="reading_list"),
    path("lists/<str:slug>/papers.bib", views.reading_list_bibtex, name="reading_list_bibtex"),
    path("entries/<int:pk>/status/", views.entry_status, name="entry_status"),
    path("papers/", views.paper_index, name="paper_index"),
    path("papers/add/arxiv/", views.arxiv_import, name="arxiv_import"),
    path("papers/import/", views.import_papers, name="import_papers"),
    path("papers/<int:pk>/", views.paper_detail, name="paper_detail"),
    path("papers/<int:pk>/cite.bib", views.paper_bibtex, name="paper_bibtex"),
    path("papers/<int:pk>/compare/", views.paper_compare, name="paper_compare"),
    path("papers/<int:pk>/bookmark/", views.bookmark, name="bookmark"),
    path(
        "papers/<int:pk>/complete-authors/",
        views.paper_complete_authors,
        name="paper_complete_authors",
    ),
    path("papers/<int:pk>/review/", views.review_edit, name="review_edit"),
    path("papers/<int:pk>/review/images/", views.review_image_create, name="review_image_create"),
    path("images/<path:name>", views.review_image, name="review_image"),
    path("preview/", views.review_preview, name="review_preview"),
    path("reviews/import/feed/", views.feed_import_page, name="feed_import"),
    path("reviews/import/inbox/", views.import_inbox, name="import_inbox"),
    path("markdown/from-html/", views.markdown_from_html, name="markdown_from_html"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/export/", views.review_export, name="review_export"),
    path("reviews/<int:pk>/history/", views.review_history, name="review_history"),
    path("reviews/<int:pk>/revisions/<int:number>/", views.review_revision, name="review_revision"),
    path("reviews/<int:pk>/unpublish/", views.review_unpublish, name="review_unpublish"),
    path("reviews/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/history/", views.comment_history, name="comment_history"),
    path("reviews/<int:pk>/runs/", views.run_launch, name="run_launch"),
    path("runs/config-fields/", views.run_config_fields, name="run_config_fields"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/live/", views.run_live, name="run_live"),
    path("runs/<int:pk>/figure.svg", views.run_figure, name="run_figure"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/rerun/", views.run_rerun, name="run_rerun"),
    path("members/<str:username>/", views.member_detail, name="member_detail"),
    path("members/<str:username>/reviews.bib", views.member_bibtex, name="member_bibtex"),
    path("feeds/reviews.rss", feeds.LatestReviewsRss(), name="feed_rss"),
    path("feeds/reviews.atom", feeds.LatestReviewsAtom(), name="feed_atom"),
    path("feeds/tags/<str:slug>.rss", feeds.TagReviewsRss(), name="feed_tag_rss"),
    path("feeds/tags/<str:slug>.atom", feeds.TagReviewsAtom(), name="feed_tag_atom"),
    path("feeds/members/<str:username>.rss", feeds.MemberReviewsRss(), name="feed_member_rss"),
    path("feeds/members/<str:username>.atom", feeds.MemberReviewsAtom(), name="feed_member_atom"),
    # A member's secret feed URLs: the feeds above, readable without a session.
    path(
        "feeds/private/<str:key>/reviews.rss",
        feeds.PrivateLatestReviewsRss(),
        name="feed_private_rss",
    ),
    path(
        "feeds/private/<str:key>/reviews.atom",
        feeds.PrivateLatestReviewsAtom(),
        name="feed_private_atom",
    ),
    path(
        "feeds/private/<str:key>/tags/<str:slug>.rss",
        feeds.PrivateTagReviewsRss(),
        name="feed_private_tag_rss",
    ),
    path(
        "feeds/private/<str:key>/tags/<str:slug>.atom",
        feeds.PrivateTagReviewsAtom(),
        name="feed_private_tag_atom",
    ),
    path(
        "feeds/private/<str:key>/members/<str:username>.rss",
        feeds.PrivateMemberReviewsRss(),
        name="feed_private_member_rss",
    ),
    path(
        "feeds/private/<str:key>/members/<str:username>.atom",
        feeds.PrivateMemberReviewsAtom(),
        name="feed_private_member_atom",
    ),
]
