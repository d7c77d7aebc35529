#!/usr/bin/env bash
# deploy/terraform/test.sh: the offline checks of the Terraform code, as TAP.
#
#   terraform fmt -check        the whole tree
#   terraform validate          every module and every environment stack
#   terraform test              every module, and every environment stack
#                               with tests/ (mock provider)
#   tags                        every taggable resource sets tags
#   readme                      each module's README lists its inputs
#                               and outputs as they are
#
# Nothing is downloaded: the AWS provider comes from a filesystem mirror
# found on this machine (TF_PLUGIN_MIRROR, or the usual places), named in
# a CLI config written to a temporary directory.  The tree is copied there
# too, so no .terraform or lock file lands in the source.  Without
# terraform the whole check is one skipped test point.
#
# Knobs: TF_JOBS (parallel terraform processes, default 2).
set -u
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v terraform >/dev/null 2>&1; then
	echo "1..1"
	echo "ok 1 - terraform # SKIP terraform is not installed"
	exit 0
fi

find_mirror() {
	local d
	for d in ${TF_PLUGIN_MIRROR:-} /opt/tf-plugins \
	    /usr/share/terraform/plugins /usr/local/share/terraform/plugins \
	    "$HOME/.terraform.d/plugins" "$HOME/.local/share/terraform/plugins"; do
		[ -n "$d" ] || continue
		# Unpacked (version/platform/binary) or packed (zip) layout.
		if compgen -G "$d/registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*" \
		    >/dev/null ||
		    compgen -G "$d/registry.terraform.io/hashicorp/aws/terraform-provider-aws_*.zip" \
		    >/dev/null; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crewlog-tf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! mirror=$(find_mirror); then
	echo "1..1"
	echo "not ok 1 - terraform: no filesystem mirror of hashicorp/aws found (set TF_PLUGIN_MIRROR)"
	exit 1
fi

cat >"$tmp/cli.tfrc" <<CONF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
CONF
export TF_CLI_CONFIG_FILE="$tmp/cli.tfrc"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
unset TF_WORKSPACE TF_DATA_DIR

mkdir "$tmp/tree"
(cd "$here" && tar --exclude=.terraform --exclude='.terraform.lock.hcl' \
    --exclude='*.tfstate*' -cf - .) | (cd "$tmp/tree" && tar -xf -) || exit 1

# check_dir DIR: init and test one module or stack; `terraform test`
# validates the configuration and its test files first.  Writes "ok" and
# "not ok" lines without numbers to the directory's log.
check_dir() {
	local rel=$1 dir="$tmp/tree/$1" log="$tmp/log.${1//\//_}"
	{
		if ! terraform -chdir="$dir" init -backend=false -no-color \
		    >"$log.init" 2>&1; then
			echo "not ok - validate+test $rel (init failed)"
			sed 's/^/# /' "$log.init" | tail -n 20
			exit 0
		fi
		if terraform -chdir="$dir" test -no-color >"$log.test" 2>&1 &&
		    grep -qE '^Success! [1-9][0-9]* passed' "$log.test"; then
			echo "ok - validate+test $rel: $(grep -E '^Success!' "$log.test")"
		else
			echo "not ok - validate+test $rel (no tests, or a failure)"
			grep -vE '^  - ' "$log.test" | sed 's/^/# /' | tail -n 40
		fi
	} >"$log"
}

# check_envs: validate every environment stack in one provider start.
# Each stack is a root module; a generated root calls them all as child
# modules (Terraform ignores a child's backend block), so one
# `terraform validate` type-checks every stack and its module calls.
check_envs() {
	local w="$tmp/tree/envs/.all" d name log="$tmp/log.envs"
	mkdir -p "$w"
	for d in $envs; do
		name=${d#envs/}
		printf 'module "%s" {\n  source       = "../%s"\n  state_bucket = "crewlog-validate"\n}\n\n' \
		    "${name//\//_}" "${d#envs/}"
	done >"$w/main.tf"
	{
		if terraform -chdir="$w" init -backend=false -no-color >"$log.init" 2>&1 &&
		    terraform -chdir="$w" validate -no-color >"$log.val" 2>&1; then
			for d in $envs; do echo "ok - validate $d"; done
		else
			echo "not ok - validate envs"
			cat "$log.init" "$log.val" 2>/dev/null | sed 's/^/# /' | tail -n 40
		fi
	} >"$log"
}
export -f check_dir
export tmp

mods=$(cd "$tmp/tree" && find modules -mindepth 1 -maxdepth 1 -type d | sort)
envs=$(cd "$tmp/tree" && find envs -mindepth 2 -maxdepth 2 -type d \
    -not -path 'envs/.*' | sort)
# Modules, and environment stacks with a tests/ directory of their own.
tested=$(cd "$tmp/tree" && { echo "$mods"; find envs -mindepth 3 -maxdepth 3 \
    -type d -name tests -printf '%h\n'; } | sort)
export envs

results="$tmp/results"
{
	if out=$(terraform fmt -check -recursive -no-color "$tmp/tree" 2>&1); then
		echo "ok - fmt -check"
	else
		echo "not ok - fmt -check: run terraform fmt -recursive deploy/terraform"
		prefix="$tmp/tree/"
		printf '%s\n' "${out//"$prefix"/# }"
	fi
	check_envs &
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash
	printf '%s\n' "$tested" | xargs -P "${TF_JOBS:-2}" -I{} bash -c 'check_dir "$1"' _ {}
	wait
	for d in $tested; do cat "$tmp/log.${d//\//_}"; done
	[ -z "$envs" ] || cat "$tmp/log.envs"
	python3 "$here/check_tags.py" "$tmp/tree"
	python3 "$here/readmes.py" "$tmp/tree"
} >"$results"

n=0
total=$(grep -cE '^(ok|not ok) ' "$results")
echo "1..$total"
while IFS= read -r line; do
	case $line in
	"ok "*)		n=$((n + 1)); echo "ok $n ${line#ok }" ;;
	"not ok "*)	n=$((n + 1)); echo "not ok $n ${line#not ok }" ;;
	*)		echo "$line" ;;
	esac
done <"$results"
! grep -q '^not ok ' "$results"
