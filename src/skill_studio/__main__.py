"""``python -m skill_studio`` entry point."""

from skill_studio.cli import main

raise SystemExit(main())
