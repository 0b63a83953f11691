"""`citadel-llm fleet`: many hosts behind one gateway, driven over SSH by Ansible.

Each host runs its own `citadel-llm` with a config generated from the fleet's; this package only
generates (inventory, playbooks, per-host configs), runs ansible-playbook through the Runner and
gathers what each host's citadel-llm answered.
"""
