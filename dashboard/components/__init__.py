"""Reusable Dash pieces shared by the pages: the download button (``download``)."""
