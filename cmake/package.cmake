# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages from this tree (CPack DEB, one package per install component):
#   cpumodeld         the daemon, units, config, man page, libvirt hook, completion, docs
#   libcpumodel0      the shared library (SONAME libcpumodel.so.0)
#   libcpumodel-dev   headers, libcpumodel.so and cpumodel.pc
# tools/package.sh configures a build with the /usr prefix and runs cpack.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cpumodeld)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cpumodeld developers <cpumodeld@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "negotiates CPU models for KVM live migration")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cpumodeld libcpumodel0 libcpumodel-dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_CPUMODELD_PACKAGE_NAME cpumodeld)
set(CPACK_DEBIAN_CPUMODELD_DESCRIPTION "negotiates CPU models for KVM live migration
 cpumodeld probes KVM on every host, publishes the host's CPU features over
 Varlink, computes the cluster baseline, compares hosts and models, and plans
 the register writes a VMM applies before the first KVM_RUN.")
set(CPACK_DEBIAN_CPUMODELD_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_CPUMODELD_PACKAGE_CONTROL_EXTRA
    "${CMAKE_BINARY_DIR}/debian/conffiles;${CMAKE_SOURCE_DIR}/tools/debian/postinst")
set(CPACK_DEBIAN_LIBCPUMODEL0_PACKAGE_NAME libcpumodel0)
set(CPACK_DEBIAN_LIBCPUMODEL0_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIBCPUMODEL0_DESCRIPTION "CPU model negotiation for KVM live migration (library)
 libcpumodel normalises a host's KVM CPU features into a feature vector and
 computes baselines, comparisons and restriction plans.")
set(CPACK_DEBIAN_LIBCPUMODEL-DEV_PACKAGE_NAME libcpumodel-dev)
set(CPACK_DEBIAN_LIBCPUMODEL-DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_LIBCPUMODEL-DEV_PACKAGE_DEPENDS "libjson-c-dev")
set(CPACK_DEBIAN_LIBCPUMODEL-DEV_DESCRIPTION "CPU model negotiation for KVM live migration (development files)
 Headers, the libcpumodel.so link and cpumodel.pc for pkg-config.")
set(CPACK_COMPONENT_LIBCPUMODEL-DEV_DEPENDS libcpumodel0)
# dpkg keeps an admin's edits of the config across upgrades
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/debian/conffiles CONTENT "${CPUMODEL_CONFIG}\n")
include(CPack)
