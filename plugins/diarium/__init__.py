"""The shared diarium plugin ``diarium``: one public-records registry for the whole municipality
(OSL 5 kap), with scanned post and the shared mailbox flowing into it as drafts, a public
webbdiarium, requests for public documents, disposal and export to the e-archive.

The hook implementations come from :func:`core.plugin_areas.area_hooks`; they gather what
each area package (``plugins.diarium.areas``) offers:
- ``registry``: The registry: diary series and gap-free numbers, case files (akter), documents
  with public and protected text, classification plan, informationshanteringsplan, secrecy
  marking, content-addressed files.
- ``intake``: Intake: scanned post (watched folder and upload, OCR with Tesseract's Swedish
  model, PDF/A) and the shared IMAP mailbox, each becoming a draft the registrator registers.
- ``public``: The public side: the webbdiarium (public fields only) and requests for public
  documents (begäran om allmän handling) with their timer, masking and refusal decisions.
- ``archive``: Disposal (gallring by decision) and export of closed case files to the e-archive
  in FGS 2.0 (E-ARK CSIP/SIP with CITS ERMS).
"""

from core.plugin_areas import area_hooks

globals().update(area_hooks(__name__))
