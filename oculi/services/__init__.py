"""The decisions, on native types: no HTTP, no AWS PascalCase."""
