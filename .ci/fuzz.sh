#!/bin/sh
# Runs every Go fuzz target of the repository briefly: each `func FuzzX(f *testing.F)` found in
# a *_test.go file (so that a new target is picked up without editing this script) is run on its
# own with `go test -run='^$' -fuzz='^FuzzX$' -fuzztime=$FUZZTIME` (default 3s) in its package,
# after its seed corpus (f.Add and testdata/fuzz/FuzzX/). One line per target; the last line is
# "N passed, N failed"; the exit status is 1 if any target failed (its output is shown, and a
# failing input is left in testdata/fuzz/FuzzX/ to be committed with the fix).
set -u
cd "$(dirname "$0")/.." || exit 2
fuzztime=${FUZZTIME:-3s}
targets=$(grep -rEo --include='*_test.go' --exclude-dir=.git --exclude-dir=vendor --exclude-dir=testdata \
	'^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | sed -E 's/^(.*)\/[^/]*:func (Fuzz[A-Za-z0-9_]*).*/\1 \2/' | sort -u)
if [ -z "$targets" ]; then
	echo "no fuzz targets found"
	echo "0 passed, 0 failed"
	exit 1
fi
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "$targets" | while read -r dir name; do
	start=$(date +%s)
	if go test -run='^$' -fuzz="^$name\$" -fuzztime="$fuzztime" "$dir/" >"$log" 2>&1; then
		echo "ok   $name $dir ($(($(date +%s) - start))s)"
		echo @@pass@@
	else
		sed 's/^/    /' "$log"
		echo "FAIL $name $dir ($(($(date +%s) - start))s)"
		echo @@fail@@
	fi
done >"$log.out"
while IFS= read -r line; do
	case $line in
	@@pass@@) passed=$((passed + 1)) ;;
	@@fail@@) failed=$((failed + 1)) ;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$log.out"
rm -f "$log.out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
