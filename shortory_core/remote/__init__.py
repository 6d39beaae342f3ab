"""The remote panel: invite links, the viewer's own browser reading their face, and the HTTP
routes through which only numbers (never video) reach the server."""
