#!/bin/sh
# Sourced, not run: UTC arithmetic in POSIX sh (`date -d` and `date +%s` are not POSIX), for the
# backup and restore scripts. restore-plan.sh also runs from stdin in a throwaway container, where
# it arrives with this file inlined (standaloneScript in config/containerScripts.ts).
# shellcheck disable=SC2034 # $epoch and civil_of's fields are the results, read by the sourcing script
# epoch_of YYYY MM DD hh mm ss: seconds since 1970-01-01T00:00:00Z, into $epoch.
epoch_of() {
  _y=$((1$1 - 10000)); _m=$((1$2 - 100)); _d=$((1$3 - 100))
  _y=$((_y - (_m <= 2)))
  _e=$(((_y >= 0 ? _y : _y - 399) / 400)); _o=$((_y - _e * 400))
  _doy=$(((153 * ((_m + 9) % 12) + 2) / 5 + _d - 1))
  _days=$((_e * 146097 + _o * 365 + _o / 4 - _o / 100 + _doy - 719468))
  epoch=$((_days * 86400 + (1$4 - 100) * 3600 + (1$5 - 100) * 60 + 1$6 - 100))
}
# now: the current time, into $epoch.
now() {
  # shellcheck disable=SC2046
  set -- $(date -u '+%Y %m %d %H %M %S')
  epoch_of "$@"
}
# epoch_iso TIME: TIME as YYYY-MM-DDTHH:MM:SS[.fraction]Z, into $epoch (fraction dropped); 1 if not.
epoch_iso() {
  case $1 in
    [0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z) ;;
    [0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].*Z) ;;
    *) return 1 ;;
  esac
  _ifs=$IFS
  IFS='-T:.Z'
  # shellcheck disable=SC2086
  set -- $1
  IFS=$_ifs
  epoch_of "$1" "$2" "$3" "$4" "$5" "$6"
}
# civil_of EPOCH: into $year $month $day $hour $minute $second and $dow (0 = Sunday).
# shellcheck disable=SC2034 # not every caller needs every field
civil_of() {
  _days=$((($1 >= 0 ? $1 : $1 - 86399) / 86400)); _r=$(($1 - _days * 86400))
  hour=$((_r / 3600)); minute=$((_r % 3600 / 60)); second=$((_r % 60))
  dow=$(((_days % 7 + 11) % 7))
  _z=$((_days + 719468)); _e=$(((_z >= 0 ? _z : _z - 146096) / 146097)); _o=$((_z - _e * 146097))
  _yoe=$(((_o - _o / 1460 + _o / 36524 - _o / 146096) / 365))
  _doy=$((_o - (365 * _yoe + _yoe / 4 - _yoe / 100))); _mp=$(((5 * _doy + 2) / 153))
  day=$((_doy - (153 * _mp + 2) / 5 + 1)); month=$((_mp < 10 ? _mp + 3 : _mp - 9))
  year=$((_yoe + _e * 400 + (month <= 2)))
}
