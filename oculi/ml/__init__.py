"""Vision models: one class per task behind `Task.load()` / `Task.predict()`; nothing here knows of HTTP."""
