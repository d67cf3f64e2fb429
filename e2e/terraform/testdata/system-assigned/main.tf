terraform {
  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
    }
  }
}

# metadata_host, the credentials and the subscription come from the
# environment (ARM_METADATA_HOSTNAME, ARM_CLIENT_ID, ARM_CLIENT_SECRET,
# ARM_TENANT_ID, ARM_SUBSCRIPTION_ID); aksnet registers no resource providers.
provider "azurerm" {
  features {}
  resource_provider_registrations = "none"
}

variable "node_count" {
  type    = number
  default = 3
}

# The article's cluster with a system-assigned identity. Its identity exists
# only once the cluster does, so the subnet role is granted afterwards from
# identity[0].principal_id, as az aks create does.
resource "azurerm_resource_group" "rg" {
  name     = "tf-system-rg"
  location = "eastus"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "myAKSVnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["192.168.0.0/16"]
}

resource "azurerm_subnet" "subnet" {
  name                 = "myAKSSubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["192.168.1.0/24"]
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "myAKSCluster"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  dns_prefix          = "myakscluster"

  default_node_pool {
    name           = "nodepool1"
    node_count     = var.node_count
    vm_size        = "Standard_DS2_v2"
    vnet_subnet_id = azurerm_subnet.subnet.id

    # AKS answers maxSurge 10% for a pool created without one, and azurerm
    # plans to remove it on every run unless the configuration says so
    # (hashicorp/terraform-provider-azurerm#24020): on Azure as on aksnet.
    upgrade_settings {
      max_surge = "10%"
    }
  }

  identity {
    type = "SystemAssigned"
  }

  # azurerm 5.x requires the block; Manual is AKS's default (node
  # autoprovisioning off), and the cluster's GET answers it back.
  node_provisioning_profile {
    mode = "Manual"
  }

  network_profile {
    network_plugin = "kubenet"
    service_cidr   = "10.0.0.0/16"
    dns_service_ip = "10.0.0.10"
    pod_cidr       = "10.244.0.0/16"
  }
}

resource "azurerm_role_assignment" "subnet" {
  scope                = azurerm_subnet.subnet.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.aks.identity[0].principal_id
}
