/*
 * nova: the NVIDIA headers of this release that the ABI description names, in the order they
 * build on each other. Written for the ABI contract test (AbiContractTest, CLayoutProbe); the
 * headers themselves are NVIDIA's, see PROVENANCE.
 */
#include "nvtypes.h"
#include "nvstatus.h"
#include "vgpu/rpc_global_enums.h"
#include "rmgspseq.h"
#include "g_rpc-structures.h"
#include "g_os_nvoc.h"
#include "ctrl/ctrla081.h"
#include "ctrl/ctrl2080/ctrl2080vgpumgrinternal.h"
