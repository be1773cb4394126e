"""Reader ``html-fragment``: HTML that is not a whole page (a post body saved alone, often broken).

Block tags end paragraphs, orphan tags are tolerated (:func:`cleaners.readers.html.htmltext.fragment_to_paragraphs`).

>>> fragment_document({"path": "a.html", "record": 0}, "<p>One.</p></div><p>Two &amp; three</p>").text
'One.\\n\\nTwo & three'
"""

from __future__ import annotations

from typing import Iterator

from cleaners.readers import ReadContext, Reader
from cleaners.readers.html.htmltext import fragment_to_paragraphs
from cleaners.record import Document, Source, new_document

FORMAT = "html-fragment"


def fragment_document(source: Source, html: str) -> Document:
    return new_document(source, "\n\n".join(fragment_to_paragraphs(html)))


def read(text: str, source: Source, ctx: ReadContext) -> Iterator[Document]:
    yield fragment_document(dict(source, record=0), text)


READER = Reader(FORMAT, "html-fragment", read)
