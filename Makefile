# The two commands a newcomer needs (see README.md).
.PHONY: run test setup

run:  ## set up if needed, index corpus/ if needed, open the chat on http://127.0.0.1:7860
	scripts/setup
	.venv/bin/python app.py

test:  ## set up if needed, then every test and the evaluation gate
	scripts/test

setup:
	scripts/setup
