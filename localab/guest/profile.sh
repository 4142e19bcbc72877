# localab: a login shell (the JupyterLab Terminal, `docker exec ... bash -l`, `localab shell`,
# `localab exec`) gets the environment of the runtime's kernels, as the entry process wrote
# it (localab.guest.shellenv); Debian's /etc/profile has just reset PATH. Only a file that
# belongs to this shell's own user is read.
localab_env=/tmp/localab-environment
if [ -f "$localab_env" ] && [ ! -L "$localab_env" ] && [ "$(stat -c %u "$localab_env")" = "$(id -u)" ]; then
  . "$localab_env"
fi
unset localab_env
# as in the kernels: the server's token (or where it is) is not for shells; docker exec
# starts from the container's own environment, which names the token file
unset JUPYTER_TOKEN JUPYTER_TOKEN_FILE
case ":$PATH:" in
  *:/opt/venv/bin:*) ;;
  *) PATH="/opt/venv/bin:$PATH" ;;
esac
export PATH
