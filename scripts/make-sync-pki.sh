#!/usr/bin/env bash
# Makes the certificates the sync protocol's mutual TLS needs: a certificate authority,
# central's server certificate and one client certificate per gateway, each with its
# private key (EC P-256, PEM). For a first deployment, a lab and the tests; a fleet with
# its own PKI issues the same shapes from it:
#
#   central:  serverAuth, subjectAltName naming the host gateways dial (central.host or
#             central.server_name in their configuration)
#   gateway:  clientAuth, CN = the gateway id; central accepts it only for that id,
#             after `edgeroute-central gateway add ID --certificate FILE`
#
#   scripts/make-sync-pki.sh OUT_DIR [--central-name NAME]... GATEWAY_ID...
#
# OUT_DIR receives ca.pem, ca.key, central.pem, central.key, <id>.pem and <id>.key. An
# existing ca.pem/ca.key is reused, so gateways can be added later. --central-name (host
# name or IP literal; default localhost and 127.0.0.1) may be repeated.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR [--central-name NAME]... GATEWAY_ID..." >&2; exit 2; }
[[ $# -ge 1 ]] || usage
out_dir=$1
shift
central_names=()
gateway_ids=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --central-name) [[ $# -ge 2 ]] || usage; central_names+=("$2"); shift 2 ;;
    -*) usage ;;
    *) gateway_ids+=("$1"); shift ;;
  esac
done
[[ ${#central_names[@]} -gt 0 ]] || central_names=(localhost 127.0.0.1)

mkdir -p "$out_dir"
cd "$out_dir"
umask 077
days=3650

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [[ ! -f ca.pem || ! -f ca.key ]]; then
  new_key ca.key
  openssl req -x509 -new -key ca.key -sha256 -days "$days" -subj "/CN=edgeroute sync CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem
fi

# issue NAME CN EXTENSIONS: NAME.key and NAME.pem, signed by the CA.
issue() {
  local name=$1 common_name=$2 extensions=$3
  new_key "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$common_name" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 \
    -days "$days" -extfile <(printf '%s\n' "$extensions") -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}

san=""
for name in "${central_names[@]}"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san+="IP:$name,"; else san+="DNS:$name,"; fi
done
issue central "${central_names[0]}" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=${san%,}"

for id in "${gateway_ids[@]}"; do
  if [[ ! $id =~ ^[a-z0-9_-]{1,64}$ ]]; then
    echo "$0: '$id' is not a gateway id (lowercase letters, digits, '-' and '_')" >&2
    exit 2
  fi
  issue "$id" "$id" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
rm -f ca.srl
echo "make-sync-pki: certificates in $out_dir" >&2
