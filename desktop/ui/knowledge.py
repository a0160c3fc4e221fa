"""Knowledge search: type, Enter, read the article beside the list."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.api.client import ApiClient
from desktop.i18n import _
from desktop.ui import tasks
from desktop.ui.widgets import button, label_for, name


class KnowledgeView(QWidget):
    def __init__(self, client: ApiClient, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        name(self, _("Knowledge search"))
        self.query = QLineEdit(self)
        self.query.setPlaceholderText(_("Search the knowledge base — Enter"))
        self.results = QListWidget(self)
        name(self.results, _("Articles found"))
        self.article = QTextBrowser(self)
        name(self.article, _("Article"))
        top = QHBoxLayout()
        top.addWidget(label_for(_("Se&arch"), self.query, self))
        top.addWidget(self.query, 1)
        top.addWidget(button(self, _("Search"), "Ctrl+Shift+F", self.search))
        splitter = QSplitter(self)
        splitter.addWidget(self.results)
        splitter.addWidget(self.article)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.query.returnPressed.connect(self.search)
        self.results.currentItemChanged.connect(self._show)

    def search(self) -> None:
        async def run() -> None:
            found = await self.client.search_articles(self.query.text().strip())
            self.results.clear()
            for article in found:
                item = QListWidgetItem(f"{article.get('title', '')}  · {article.get('kind', '')}")
                item.setData(256, article)
                self.results.addItem(item)
            if found:
                self.results.setCurrentRow(0)
                self.results.setFocus()

        tasks.spawn(run())

    def _show(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        article = item.data(256)
        body = article.get("body") or article.get("snippet") or ""
        self.article.setHtml(
            f"<h2>{html.escape(article.get('title', ''))}</h2>"
            f"<p>{html.escape(body).replace(chr(10), '<br>')}</p>"
        )
