import os

from django.core.wsgi import get_wsgi_application

from evalportal import gc_tuning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings")
application = get_wsgi_application()

# Every view imported now rather than at the first request, then the collector tuned with
# all of it frozen (evalportal.gc_tuning).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
gc_tuning.tune()
