"""Views of the cross-cutting commands: API discovery, and async jobs viewed page by page."""

from collections.abc import Sequence


def api_view(command):
    return {
        "name": command.name, "description": command.raw.get("description", ""),
        "isasync": command.is_async, "since": "", "related": "", "type": "",
        "params": [
            {"name": n, "description": "", "type": m["type"], "required": bool(m.get("required")),
             "length": 255, "since": "", "related": ""}
            for n, m in command.params.items()
        ],
        "response": [{"name": f, "description": "", "type": m.get("type", "string")}
                     for f, m in command.response["fields"].items()],
    }


class LazyViews(Sequence):
    """Views made only for the page answered: a poller pages through thousands of jobs."""

    def __init__(self, recs, view):
        self.recs, self.view = recs, view

    def __len__(self):
        return len(self.recs)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.view(r) for r in self.recs[index]]
        return self.view(self.recs[index])
