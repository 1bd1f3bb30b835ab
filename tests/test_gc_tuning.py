"""The web and worker processes tune their garbage collector once the code is loaded
(evalportal.gc_tuning): what is loaded frozen, young collections spaced out."""

from tests.processes import start_django

REPORT = (
    "import gc, sys; print(gc.get_freeze_count(), gc.get_threshold()[0], "
    "'indicators.views' in sys.modules, 'reports.nation_views' in sys.modules)"
)


def test_the_web_process_freezes_what_it_loaded_with_every_view():
    result = start_django("import evalportal.wsgi; " + REPORT)
    assert result.returncode == 0, result.stderr
    frozen, young, views, nation_views = result.stdout.split()
    # Django, the apps and the URLconf's views: far more than a bare interpreter holds
    assert int(frozen) > 50_000
    assert int(young) == 10_000
    assert views == nation_views == "True"


def test_a_worker_process_tunes_its_collector_when_it_starts():
    result = start_django(
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'evalportal.settings'); "
        "django.setup(); from evalportal.celery import app; "
        "from celery.signals import worker_process_init; worker_process_init.send(sender=None); " + REPORT
    )
    assert result.returncode == 0, result.stderr
    frozen, young, *_ = result.stdout.split()
    assert int(frozen) > 50_000
    assert int(young) == 10_000


def test_a_process_that_serves_nothing_keeps_the_defaults():
    """manage.py, the tests, a shell: nothing frozen, CPython's own threshold."""
    result = start_django(
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'evalportal.settings'); "
        "django.setup(); " + REPORT
    )
    assert result.returncode == 0, result.stderr
    frozen, young, *_ = result.stdout.split()
    assert (int(frozen), int(young)) == (0, 700)
