"""Response and request shapes of the JSON API (pydantic, via django-ninja).

The daily-papers item copies Hugging Face's ``/api/daily_papers`` item key for key and type for
type (recorded shape in ../shared/DOMAIN.md), so HF clients work by changing the base URL. Times
are ISO 8601 UTC strings with milliseconds (``2024-10-25T00:57:09.392Z``).
"""

from __future__ import annotations

from ninja import Field, Schema

ISO_EXAMPLE = "2024-10-25T00:57:09.392Z"


class AuthorOut(Schema):
    id: str = Field(alias="_id", description="Stable 24-hex id of this author slot (HF uses ObjectIds)")
    name: str
    hidden: bool = False


class PaperOut(Schema):
    """``paper`` of an HF daily-papers item: ``publishedAt`` is the arXiv v1 date."""

    id: str = Field(description="Canonical arXiv id without version, e.g. 2410.18957 or hep-th/9901001")
    authors: list[AuthorOut]
    publishedAt: str = Field(description=f"arXiv v1 time, e.g. {ISO_EXAMPLE}")
    title: str = Field(description="Title as arXiv gives it (TeX kept)")
    summary: str = Field(description="Abstract as arXiv gives it (hard line wraps kept)")
    upvotes: int
    discussionId: str


class SubmitterOut(Schema):
    avatarUrl: str
    fullname: str
    name: str
    type: str = "user"
    isPro: bool = False
    isHf: bool = False
    isMod: bool = False
    followerCount: int = 0


class DailyPaperOut(Schema):
    """One entry of a daily list: ``publishedAt`` is when the paper was featured."""

    paper: PaperOut
    publishedAt: str = Field(description=f"Featured time, e.g. {ISO_EXAMPLE}")
    title: str = Field(description="One-line title")
    thumbnail: str
    numComments: int
    submittedBy: SubmitterOut
    githubRepo: str | None = None
    projectPage: str | None = None


class PaperDetailOut(PaperOut):
    """A paper with every field paperboy keeps."""

    version: int
    updatedAt: str | None
    announcedOn: str | None = Field(description="arXiv listing day, YYYY-MM-DD")
    primaryCategory: str
    categories: list[str]
    comments: str
    journalRef: str
    doi: str
    withdrawn: bool
    arxivUrl: str
    pdfUrl: str
    url: str = Field(description="This paper's page on this site")
    githubRepo: str | None
    projectPage: str | None
    numComments: int
    featuredOn: list[str] = Field(description="Days (YYYY-MM-DD) this paper was on the daily list")


class SearchHitOut(Schema):
    paper: PaperOut
    title: str
    rank: int = Field(description="1-based position in the results")
    score: float | None = Field(description="Ranking score (higher is better); its scale depends on mode")


class CommentOut(Schema):
    id: int
    author: str
    body: str
    createdAt: str
    parentId: int | None = None


class UpvoteOut(Schema):
    paper: str = Field(description="arXiv id")
    upvoted: bool = Field(description="Whether the calling user now upvotes the paper")
    upvotes: int


class ErrorOut(Schema):
    error: str
