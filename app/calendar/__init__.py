"""The school calendar: teaching hours, Thai public holidays, closures, and the rule that a
session is booked inside them unless the request says otherwise."""
