"""Plain helpers every app may use; they import no app of the portal (the bottom layer)."""
