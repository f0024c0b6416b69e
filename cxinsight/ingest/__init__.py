"""Reading transcripts: every format researchers have, into one tidy corpus.

Use :func:`read` (exported as ``cxinsight.read``). One module per family of formats:
:mod:`~cxinsight.ingest.text` (plain text, Markdown, Otter.ai), :mod:`~cxinsight.ingest.vtt`
(Zoom, Teams, Stream), :mod:`~cxinsight.ingest.srt`, :mod:`~cxinsight.ingest.docx`,
:mod:`~cxinsight.ingest.tabular` (CSV/XLSX turns and surveys), plus
:mod:`~cxinsight.ingest.encoding`, :mod:`~cxinsight.ingest.roles` and
:mod:`~cxinsight.ingest.manifest`. ``docs/formats.md`` lists what each recognises.
"""

from cxinsight.ingest.reader import EXTENSIONS, FORMATS, read, read_file

__all__ = ["read", "read_file", "FORMATS", "EXTENSIONS"]
