#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
