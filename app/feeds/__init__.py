"""iCalendar feeds: the room schedules and sessions people subscribe to from a calendar app."""
