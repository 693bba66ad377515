"""The teachers' web app: static HTML, CSS and JavaScript modules served at /app/."""
