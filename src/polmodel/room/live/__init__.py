"""The live room: ``polmodel room``, a local web app for a workshop.

A facilitator projects one page (the question, the answer in shares of plausible worlds, the
conditions over time, sliders for the levers and the assumptions that decide the answer);
participants join from their phones with a short code and give a low, a best and a high value
for the assumptions the facilitator opens, in two rounds (the IDEA protocol: estimate, discuss,
re-estimate). Every submission is kept in SQLite in the session folder; a restarted room on the
same folder resumes the session.

Layers, each importable without the web framework except :mod:`.app` and :mod:`.server`:
:mod:`.store` (the session in SQLite), :mod:`.picture` (what the projector shows, computed from
the model), :mod:`.pages` (the HTML, every text escaped), :mod:`.export` (the files the rest of
polmodel reads), :mod:`.guard` (keys, codes, cross-site and size checks), :mod:`.app` (the
Starlette routes) and :mod:`.server` (uvicorn on a socket bound first, so port 0 works).
"""
