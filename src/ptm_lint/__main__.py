"""`python -m ptm_lint`: the same as the ptm-lint command."""

from .cli import main
import sys
sys.exit(main())
