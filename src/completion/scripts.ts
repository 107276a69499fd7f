// Completion scripts for running the plugin directly as `kubectl-sts` (an alias, or kubectl
// older than 1.26). Through kubectl 1.26+ nothing is needed beyond kubectl_complete-sts on
// PATH. Each script asks `kubectl-sts completion __complete -- <words>` for candidates, so
// all logic stays in one place (complete.ts).

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = `# bash completion for kubectl-sts. Load with:  source <(kubectl-sts completion bash)
_kubectl_sts_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local IFS=$'\\n'
  local out directive
  out=$(kubectl-sts completion __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
  directive=\${out##*:}
  out=$(printf '%s\\n' "$out" | sed '$d' | cut -f1)
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
  # Directive bit 4 (no file completion) unset and nothing found: fall back to file names.
  if [ \${#COMPREPLY[@]} -eq 0 ] && [ $((directive & 4)) -eq 0 ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _kubectl_sts_complete kubectl-sts
`;

const ZSH = `#compdef kubectl-sts
# zsh completion for kubectl-sts. Load with:  source <(kubectl-sts completion zsh)
_kubectl_sts() {
  local -a lines candidates
  local line directive
  lines=("\${(@f)$(kubectl-sts completion __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  directive=\${lines[-1]#:}
  lines=("\${(@)lines[1,-2]}")
  for line in $lines; do
    # _describe wants name:description, with colons in the name escaped.
    if [[ $line == *$'\\t'* ]]; then
      candidates+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")
    else
      candidates+=("\${line//:/\\\\:}")
    fi
  done
  if (( \${#candidates} )); then
    _describe 'kubectl-sts' candidates
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
compdef _kubectl_sts kubectl-sts
`;

const FISH = `# fish completion for kubectl-sts. Load with:  kubectl-sts completion fish | source
function __kubectl_sts_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l out (kubectl-sts completion __complete -- $words 2>/dev/null)
    set -e out[-1]
    printf '%s\\n' $out
end
complete -c kubectl-sts -f -a '(__kubectl_sts_complete)'
`;

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? BASH : shell === 'zsh' ? ZSH : FISH;
}
