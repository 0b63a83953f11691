"""The playbooks, as the YAML files `fleet export ansible` writes and `fleet deploy` runs.

Plain ansible.builtin modules only (ansible-core, no collections). Every host's own citadel-llm
does the work; the plays copy its config, call it with --json, and leave each host's answer in
`citadel_results_dir` on the controller, where `fleet` reads them (failed_when: false, so one
host's failure is reported, not a reason to lose the others' answers).
"""

from __future__ import annotations

DEPLOY_FILE = "deploy.yml"
RUN_FILE = "run.yml"

# Shared tasks: write the host's config (its directory first).
_CONFIG_TASKS = """\
    - name: Config directory of citadel-llm
      ansible.builtin.file:
        path: "{{ citadel_config_path | dirname }}"
        state: directory
        mode: "0755"
    - name: This host's citadel-llm config
      ansible.builtin.copy:
        src: "{{ playbook_dir }}/configs/{{ inventory_hostname }}.yaml"
        dest: "{{ citadel_config_path }}"
        mode: "0640"
"""

# Record one host's answer on the controller as JSON.
_RECORD_TASK = """\
    - name: Answer of this host, kept on the controller
      ansible.builtin.copy:
        content: "{{ {'rc': citadel.rc, 'stdout': citadel.stdout, 'stderr': citadel.stderr[-4000:],
                      'steps': citadel_steps | default({})} | to_json }}"
        dest: "{{ citadel_results_dir | default(playbook_dir + '/results') }}/{{ inventory_hostname }}.json"
        mode: "0600"
      delegate_to: localhost
"""

# The gateway host's citadel-llm steering its own gateway (the admin endpoints answer loopback).
_GATEWAY_CMD = ("{{ [hostvars[citadel_gateway_host].citadel_bin, '--config', "
                "hostvars[citadel_gateway_host].citadel_config_path, 'gateway'] }}")

DEPLOY_PLAYBOOK = f"""\
# citadel-llm fleet deploy: one host at a time. Each host's gateway backends are drained first
# (new requests go to the other replicas), its own `citadel-llm deploy` runs with its models,
# then the backends are put back. The rollout stops at the first host whose deploy fails.
- name: Rolling deploy of the citadel-llm fleet
  hosts: citadel
  serial: 1
  gather_facts: false
  tasks:
{_CONFIG_TASKS}\
    - name: Drain this host's backends at the gateway
      ansible.builtin.command:
        argv: "{_GATEWAY_CMD[:-3]} + ['drain', item.model, item.index | string, '--wait',
               citadel_drain_wait | default(30) | string, '--json'] }}}}"
      delegate_to: "{{{{ citadel_gateway_host }}}}"
      loop: "{{{{ citadel_backends }}}}"
      register: drained
      changed_when: drained.rc == 0
      failed_when: false  # no gateway yet (first deploy): nothing routes here, nothing to drain
    - name: Deploy this host's models
      ansible.builtin.command:
        argv: "{{{{ [citadel_bin, '--config', citadel_config_path, 'deploy'] + citadel_models
                  + ['--yes', '--json'] }}}}"
      environment: "{{{{ citadel_env }}}}"
      register: citadel
      failed_when: false
    - name: Put this host's backends back in rotation
      ansible.builtin.command:
        argv: "{_GATEWAY_CMD[:-3]} + ['undrain', item.model, item.index | string, '--json'] }}}}"
      delegate_to: "{{{{ citadel_gateway_host }}}}"
      loop: "{{{{ citadel_backends }}}}"
      register: undrained
      changed_when: undrained.rc == 0
      failed_when: false  # reported below; a gateway started by this very deploy has none drained
      when: citadel.rc == 0
    - name: Steps around the deploy
      ansible.builtin.set_fact:
        citadel_steps:
          drained: >-
            {{{{ drained.results | default([]) | selectattr('rc', 'defined')
                | selectattr('rc', 'equalto', 0) | list | length }}}}
          undrained: >-
            {{{{ undrained.results | default([]) | selectattr('rc', 'defined')
                | selectattr('rc', 'equalto', 0) | list | length }}}}
          backends: "{{{{ citadel_backends | length }}}}"
{_RECORD_TASK}\
    - name: Stop the rollout at a failed host
      ansible.builtin.fail:
        msg: "citadel-llm deploy failed on {{{{ inventory_hostname }}}} (exit {{{{ citadel.rc }}}})"
      when: citadel.rc != 0
"""

RUN_PLAYBOOK = f"""\
# citadel-llm on every host at once: `-e '{{"citadel_args": ["status"], "citadel_targets": true}}'`
# runs `citadel-llm --config <host config> status <host models> gateway --json` everywhere.
- name: Run citadel-llm on every host of the fleet
  hosts: citadel
  gather_facts: false
  tasks:
    - name: Run citadel-llm
      ansible.builtin.command:
        argv: "{{{{ [citadel_bin, '--config', citadel_config_path] + citadel_args
                  + ((citadel_models + ['gateway']) if citadel_targets | default(false) else []) + ['--json'] }}}}"
      environment: "{{{{ citadel_env }}}}"
      register: citadel
      changed_when: false
      failed_when: false
    - name: The gateway's view of every backend
      ansible.builtin.command:
        argv: "{_GATEWAY_CMD[:-3]} + ['status', '--json'] }}}}"
      register: gateway_servers
      changed_when: false
      failed_when: false
      when: citadel_gateway_status | default(false) and inventory_hostname == citadel_gateway_host
    - name: Keep the gateway's view
      ansible.builtin.set_fact:
        citadel_steps:
          gateway_rc: "{{{{ gateway_servers.rc | default(none) }}}}"
          gateway: "{{{{ gateway_servers.stdout | default('') }}}}"
{_RECORD_TASK}"""

PLAYBOOKS = {DEPLOY_FILE: DEPLOY_PLAYBOOK, RUN_FILE: RUN_PLAYBOOK}
