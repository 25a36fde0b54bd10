#!/usr/bin/env bash
# badzone: a zone with an error on line 6 makes mxlbd exit 1 with
# "mxlbd: FILE:6: reason" and never report ready.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

zone=$IT_DIR/bad.zone
mx_launch --zone "$zone" --ip "$SERVICE_V4"
mx_wait_exit 30
check_eq "exit status for a bad zone" 1 "$MX_RC"
msg=$(grep -F "mxlbd: $zone:" "$MX_LOG" || true)
check_match "error names file and line 6" "^mxlbd: $zone:6: .+" "$msg"
check_eq "never ready" "" "$(grep '^mxlbd: ready' "$MX_LOG" || true)"
echo "  mxlbd said: ${msg:-nothing matching; its output follows}"
if [[ -z "$msg" ]]; then
	sed 's/^/    | /' "$MX_LOG"
fi

t_done
