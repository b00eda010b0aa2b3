"""Mark the IngestRuns of demo imports made before IngestRun.demo existed (0002 added it as False).

An install upgraded from before 0002 otherwise counts its load_demo runs as updates of the papers:
/readyz said ready and the footer showed a "last successful update" that never happened. A run is a
demo import when its location is a file named in the shipped demo manifest (settings.DEMO_DIR/
manifest.json), in a folder named ``demo``.
"""

import json
from pathlib import Path, PurePath

from django.conf import settings
from django.db import migrations


def demo_file_names() -> set[str]:
    try:
        manifest = json.loads((Path(settings.DEMO_DIR) / "manifest.json").read_text())
    except (OSError, ValueError):
        return set()
    if not isinstance(manifest, list):
        return set()
    return {PurePath(str(e.get("path", ""))).name for e in manifest if isinstance(e, dict)} - {""}


def mark_demo_runs(apps, schema_editor):
    IngestRun = apps.get_model("ingest", "IngestRun")
    names = demo_file_names()
    if not names:
        return
    ids = [
        pk
        for pk, location in IngestRun.objects.filter(demo=False).values_list("pk", "location")
        if PurePath(location).name in names and PurePath(location).parent.name == "demo"
    ]
    IngestRun.objects.filter(pk__in=ids).update(demo=True)


class Migration(migrations.Migration):
    dependencies = [
        ("ingest", "0002_ingestrun_demo_process_heartbeat"),
    ]

    operations = [migrations.RunPython(mark_demo_runs, migrations.RunPython.noop)]
