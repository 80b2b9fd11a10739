# shellcheck shell=bash
# Test certificates for the collector harnesses (sourced; needs $TLS, a
# directory).  make_ca NAME, make_leaf CA NAME SAN, make_expired_leaf CA NAME
# write $TLS/NAME.pem and $TLS/NAME.key with openssl.

make_ca() { # make_ca NAME
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$TLS/$1.key" -out "$TLS/$1.pem" -subj "/CN=perfmetrics test $1" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        2>/dev/null
}

make_leaf() { # make_leaf CA NAME SAN
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS/$2.key" \
        -out "$TLS/$2.csr" -subj "/CN=$2" 2>/dev/null &&
        printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" >"$TLS/$2.ext" &&
        openssl x509 -req -in "$TLS/$2.csr" -CA "$TLS/$1.pem" -CAkey "$TLS/$1.key" -CAcreateserial \
            -days 10 -extfile "$TLS/$2.ext" -out "$TLS/$2.pem" 2>/dev/null
}

make_expired_leaf() { # make_expired_leaf CA NAME: valid for 127.0.0.1, January 2020 only
    local db=$TLS/$2.db
    mkdir -p "$db"
    : >"$db/index"
    echo 01 >"$db/serial"
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index\nserial=%s/serial\nnew_certs_dir=%s\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\nunique_subject=no\n[p]\ncommonName=supplied\n' \
        "$db" "$db" "$db" >"$TLS/$2.cnf"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS/$2.key" -out "$TLS/$2.csr" \
        -subj "/CN=127.0.0.1" -addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
        openssl ca -batch -notext -config "$TLS/$2.cnf" -cert "$TLS/$1.pem" -keyfile "$TLS/$1.key" \
            -startdate 20200101000000Z -enddate 20200201000000Z -in "$TLS/$2.csr" -out "$TLS/$2.pem" 2>/dev/null
}
