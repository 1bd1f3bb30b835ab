"""What a paged list reads from its request: the words searched for, and the filters its page
links keep (``templates/_pagination.html``)."""

SEARCH_MAX = 50  # characters of a search kept: more than any region's, fund's or notice's name


def search_text(request, name: str = "q") -> str:
    """The search box ``name`` of a GET form, trimmed."""
    return request.GET.get(name, "").strip()[:SEARCH_MAX]


def filters_query(request) -> str:
    """The request's query without its page number, url-encoded: each page link adds its own."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
