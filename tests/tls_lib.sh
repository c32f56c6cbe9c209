# Test PKI for the TLS tests (sourced after daemon_lib.sh): real certificates
# made with GnuTLS's certtool in libvirt's layout (cacert.pem, servercert.pem,
# private/serverkey.pem, clientcert.pem, private/clientkey.pem).
command -v certtool >/dev/null || skip "certtool is not installed (gnutls-bin; tools/deps.sh test)"

# make_ca NAME: a CA in $T/ca-NAME (cacert.pem, cakey.pem).
make_ca() {
  local d=$T/ca-$1
  mkdir -p "$d"
  printf 'cn = cpumodeld test CA %s\nca\ncert_signing_key\nexpiration_days = 2\n' "$1" >"$d/ca.info"
  certtool --generate-privkey --key-type=ecdsa --outfile "$d/cakey.pem" >/dev/null 2>&1 &&
    certtool --generate-self-signed --load-privkey "$d/cakey.pem" --template "$d/ca.info" \
      --outfile "$d/cacert.pem" >/dev/null 2>&1 || fail "certtool: cannot make CA $1"
}

# make_pki DIR CA CN SERVER-NAMES... : DIR gets CA's cacert.pem, a server
# certificate for the names (an IP literal becomes an IP SAN, anything else a
# DNS SAN) and a client certificate with the subject CN=CN,O=cpumodeld.
make_pki() {
  local dir=$1 ca=$T/ca-$2 cn=$3; shift 3
  mkdir -p "$dir/private"
  cp "$ca/cacert.pem" "$dir/cacert.pem"
  {
    printf 'organization = cpumodeld\ncn = %s\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 2\n' "$cn"
    for n in "$@"; do
      if [[ $n =~ ^[0-9.]+$ || $n == *:* ]]; then echo "ip_address = $n"; else echo "dns_name = $n"; fi
    done
  } >"$dir/server.info"
  printf 'organization = cpumodeld\ncn = %s\ntls_www_client\nsigning_key\nencryption_key\nexpiration_days = 2\n' "$cn" \
    >"$dir/client.info"
  local role
  for role in server client; do
    certtool --generate-privkey --key-type=ecdsa --outfile "$dir/private/${role}key.pem" >/dev/null 2>&1 &&
      certtool --generate-certificate --load-privkey "$dir/private/${role}key.pem" \
        --load-ca-certificate "$ca/cacert.pem" --load-ca-privkey "$ca/cakey.pem" \
        --template "$dir/$role.info" --outfile "$dir/${role}cert.pem" >/dev/null 2>&1 ||
      fail "certtool: cannot make the $role certificate in $dir"
  done
}
