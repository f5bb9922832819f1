"""The newsroom: a question log in SQLite, readers' feedback, and reports for editors.

`store.QuestionLog` takes records off the request path and writes them in
batches from one thread; `report.build_report` reads them back for `rag report`
and GET /admin/report.
"""
