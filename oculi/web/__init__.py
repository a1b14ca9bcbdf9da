"""The web pages: static HTML, CSS and native ES modules (no build step), served at / by the same process."""
