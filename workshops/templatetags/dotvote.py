from django import template

register = template.Library()


@register.filter
def mmss(seconds) -> str:
    """125 -> "2:05", as the countdown shows it."""
    if seconds is None or seconds == "":
        return ""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
