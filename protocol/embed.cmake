# Turns a .varlink file into a C string constant (the interface description
# GetInterfaceDescription returns is the contract file itself).
file(READ ${IN} text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "\n" "\\n\"\n\"" text "${text}")
file(WRITE ${OUT} "/* generated from ${IN} */\nconst char ${SYM}[] = \"${text}\";\n")
