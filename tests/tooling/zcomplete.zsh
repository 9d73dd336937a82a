# zsh -f zcomplete.zsh DIR LINE: type LINE and a TAB in an interactive zsh on a
# pseudo-terminal, with DIR on fpath and compinit run, and print the command line the
# completion made of it (the shell's `sbx` is a function that prints its words).
zmodload zsh/zpty || exit 1
zpty z 'TERM=dumb PS1= PROMPT_EOL_MARK= zsh -f -i'
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D; unsetopt zle_bracketed_paste 2>/dev/null"
# (split, so that the echo of this definition is not taken for its output)
zpty -w z 'sbx() { print -r -- "LI""NE:sbx $*:EN""D" }'
sleep 0.3
zpty -w -n z "$2"$'\t'
sleep 0.5
zpty -w -n z $'\n'
out=
for i in {1..150}; do
	zpty -r -t z chunk && out+=$chunk
	[[ $out == *LINE:*:END* ]] && break
	sleep 0.1
done
zpty -d z
out=${out//$'\r'/}
line=${out##*LINE:}
print -r -- "${line%%:END*}"
