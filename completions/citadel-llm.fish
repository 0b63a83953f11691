# fish completion for citadel-llm (generated; do not edit)
function __citadel_llm_path
    set -l groups completions config models
    set -l path ''
    for w in (commandline -opc)[2..-1]
        string match -q -- '-*' $w; and continue
        set -l candidate (string trim -- "$path $w")
        contains -- $candidate $groups; and set path $candidate
    end
    echo $path
end
complete -c citadel-llm -f
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -a completions -d 'Shell completions for bash, zsh and fish.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -a config -d 'Show, validate and create the configuration.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -a models -d 'List, pull, verify, import and remove model weights.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l config -d 'YAML config file (default: $CITADEL_CONFIG, then /etc/citadel-llm/config.yaml).'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -s c -d 'YAML config file (default: $CITADEL_CONFIG, then /etc/citadel-llm/config.yaml).'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l root -d 'Stage every path under this directory.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l json -d 'Machine-readable JSON on stdout.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l verbose -d 'More detail.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -s v -d 'More detail.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l quiet -d 'Only errors and results.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -s q -d 'Only errors and results.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l debug -d 'Show tracebacks of errors.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l version -d 'Print the version and exit.'
complete -c citadel-llm -n '[ -z (__citadel_llm_path) ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = completions ]' -a install -d 'Install the completion script for the current user.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = completions ]' -a show -d 'Print the completion script.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = completions ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'completions install' ]' -l json -d 'Print machine-readable JSON on stdout, nothing else.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'completions install' ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'completions show' ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = config ]' -a init -d 'Write a commented YAML config with every default.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = config ]' -a show -d 'Show the effective configuration (defaults, file and environment merged).'
complete -c citadel-llm -n '[ (__citadel_llm_path) = config ]' -a validate -d 'Check a config file; exit 2 with the file, line and field at fault when it is...'
complete -c citadel-llm -n '[ (__citadel_llm_path) = config ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config init' ]' -l profile -x -a 'production local' -d 'production (systemd, /opt) or local (user dir, no root).'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config init' ]' -l output -d 'Where to write (default: the config path of the profile).'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config init' ]' -s o -d 'Where to write (default: the config path of the profile).'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config init' ]' -l force -d 'Overwrite an existing file.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config init' ]' -l json -d 'Print machine-readable JSON on stdout, nothing else.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config init' ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config show' ]' -l json -d 'Print machine-readable JSON on stdout, nothing else.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config show' ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config validate' ]' -l json -d 'Print machine-readable JSON on stdout, nothing else.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'config validate' ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = models ]' -a list -d 'The configured models.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = models ]' -l help -d 'Show help and exit.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'models list' ]' -l json -d 'Print machine-readable JSON on stdout, nothing else.'
complete -c citadel-llm -n '[ (__citadel_llm_path) = 'models list' ]' -l help -d 'Show help and exit.'
