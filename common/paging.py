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


def asks_a_year_at_most(request) -> bool:
    """The address asks for nothing but, at most, a year (``?year=2024``): a page kept for the
    people of an office is kept only for such addresses, so that its keys stay as few as the
    years, and no parameter is printed into a page served to everyone."""
    year = request.GET.get("year")
    return set(request.GET) <= {"year"} and (year is None or (year.isdigit() and len(year) == 4))
