# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what a system daemon needs at the paths its units and docs name.
#
# The checked-in units, hook wrapper, config and man page name the Debian paths
# (/usr/sbin, /etc/cpumodeld, /usr/libexec/cpumodeld): they are the templates.
# Each is copied into the build tree with those paths replaced by this build's
# GNUInstallDirs paths, so `cmake --install` with any prefix yields units that
# start the binary it installed with the config it installed.  /run/cpumodeld
# and /var/lib/cpumodeld stay fixed: systemd's RuntimeDirectory= and
# StateDirectory= always live there.

# The paths inside the units, hook and man page are this configuration's: an install under another
# prefix (`cmake --install --prefix X`) would start a binary that is not there.  Refuse it.
install(CODE "
  if(NOT CMAKE_INSTALL_PREFIX STREQUAL \"${CMAKE_INSTALL_PREFIX}\")
    message(FATAL_ERROR \"cpumodeld was configured for the prefix ${CMAKE_INSTALL_PREFIX} (its units name \"
      \"${CMAKE_INSTALL_FULL_SBINDIR}/cpumodeld); configure again with -DCMAKE_INSTALL_PREFIX=\${CMAKE_INSTALL_PREFIX}\")
  endif()" COMPONENT cpumodeld)

set(CPUMODEL_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" CACHE PATH "Where the systemd units go")
set(CPUMODEL_SYSUSERSDIR "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d" CACHE PATH "Where the sysusers.d snippet goes")
set(CPUMODEL_TMPFILESDIR "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d" CACHE PATH "Where the tmpfiles.d snippet goes")
set(CPUMODEL_HOOKDIR "${CMAKE_INSTALL_FULL_LIBEXECDIR}/cpumodeld")
set(CPUMODEL_CONFDIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/cpumodeld")
set(CPUMODEL_CONFIG "${CPUMODEL_CONFDIR}/cpumodeld.conf")
set(CPUMODEL_DATADIR "${CMAKE_INSTALL_FULL_DATADIR}/cpumodeld")

# cpumodel_install_paths(SRC DEST): SRC with the template paths replaced, at DEST (in the build tree).
function(cpumodel_install_paths src dest)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/${src}")
  file(READ "${CMAKE_SOURCE_DIR}/${src}" text)
  string(REPLACE "/usr/lib/systemd/system" "${CPUMODEL_UNITDIR}" text "${text}")
  string(REPLACE "/usr/lib/sysusers.d" "${CPUMODEL_SYSUSERSDIR}" text "${text}")
  string(REPLACE "/usr/lib/tmpfiles.d" "${CPUMODEL_TMPFILESDIR}" text "${text}")
  string(REPLACE "/usr/sbin/cpumodeld" "${CMAKE_INSTALL_FULL_SBINDIR}/cpumodeld" text "${text}")
  string(REPLACE "/etc/cpumodeld/" "${CPUMODEL_CONFDIR}/" text "${text}")
  string(REPLACE "/usr/libexec/cpumodeld/" "${CPUMODEL_HOOKDIR}/" text "${text}")
  string(REPLACE "/usr/share/cpumodeld/" "${CPUMODEL_DATADIR}/" text "${text}")
  string(REPLACE "/usr/share/doc/cpumodeld" "${CMAKE_INSTALL_FULL_DOCDIR}" text "${text}")
  # the man page's header carries the release
  string(REGEX REPLACE "\"cpumodeld [0-9][0-9.]*\"" "\"cpumodeld ${PROJECT_VERSION}\"" text "${text}")
  file(CONFIGURE OUTPUT "${CMAKE_BINARY_DIR}/${dest}" CONTENT "${text}" @ONLY)
endfunction()

cpumodel_install_paths(systemd/cpumodeld.service install/cpumodeld.service)
cpumodel_install_paths(systemd/cpumodeld.socket install/cpumodeld.socket)
cpumodel_install_paths(systemd/cpumodeld.sysusers install/sysusers.conf)
cpumodel_install_paths(systemd/cpumodeld.tmpfiles install/tmpfiles.conf)
cpumodel_install_paths(conf/cpumodeld.conf install/cpumodeld.conf)
cpumodel_install_paths(conf/libvirt-qemu-hook install/libvirt-qemu-hook)
cpumodel_install_paths(man/cpumodeld.8 install/cpumodeld.8)

set(B "${CMAKE_BINARY_DIR}/install")
install(FILES ${B}/cpumodeld.service ${B}/cpumodeld.socket DESTINATION ${CPUMODEL_UNITDIR} COMPONENT cpumodeld)
install(FILES ${B}/sysusers.conf DESTINATION ${CPUMODEL_SYSUSERSDIR} RENAME cpumodeld.conf COMPONENT cpumodeld)
install(FILES ${B}/tmpfiles.conf DESTINATION ${CPUMODEL_TMPFILESDIR} RENAME cpumodeld.conf COMPONENT cpumodeld)
install(FILES ${B}/cpumodeld.conf DESTINATION ${CPUMODEL_CONFDIR} COMPONENT cpumodeld)
install(FILES ${B}/cpumodeld.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT cpumodeld)
# Installed, not enabled: `ln -s .../libvirt-qemu-hook /etc/libvirt/hooks/qemu.d/cpumodeld` (docs/libvirt.md).
install(PROGRAMS ${B}/libvirt-qemu-hook DESTINATION ${CPUMODEL_HOOKDIR} COMPONENT cpumodeld)
install(FILES protocol/io.cpumodeld.varlink DESTINATION ${CPUMODEL_DATADIR} COMPONENT cpumodeld)
install(FILES tools/bash-completion/cpumodeld DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        COMPONENT cpumodeld)
install(FILES README.md NEWS LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cpumodeld)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cpumodeld FILES_MATCHING PATTERN "*.md")
