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

# Bring your own route table: associated with the subnet before the cluster
# exists; the user-assigned identity may write both the subnet and the table.
resource "azurerm_resource_group" "rg" {
  name     = "tf-byort-rg"
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

resource "azurerm_route_table" "rt" {
  name                = "myRouteTable"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  # Routes are managed by AKS's route controller: Terraform must not own them.
  lifecycle {
    ignore_changes = [route]
  }
}

resource "azurerm_subnet_route_table_association" "assoc" {
  subnet_id      = azurerm_subnet.subnet.id
  route_table_id = azurerm_route_table.rt.id
}

resource "azurerm_user_assigned_identity" "id" {
  name                = "myIdentity"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_role_assignment" "vnet" {
  scope                = azurerm_virtual_network.vnet.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.id.principal_id
}

resource "azurerm_role_assignment" "rt" {
  scope                = azurerm_route_table.rt.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.id.principal_id
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "myManagedCluster"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  dns_prefix          = "mymanagedcluster"

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
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.id.id]
  }

  # azurerm 5.x requires the block; Manual is AKS's default (node
  # autoprovisioning off), and the cluster's GET answers it back.
  node_provisioning_profile {
    mode = "Manual"
  }

  network_profile {
    network_plugin = "kubenet"
  }

  depends_on = [
    azurerm_subnet_route_table_association.assoc,
    azurerm_role_assignment.vnet,
    azurerm_role_assignment.rt,
  ]
}
