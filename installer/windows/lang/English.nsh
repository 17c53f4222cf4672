; English installer strings (UTF-8).
LangString DESC_SHORTCUT ${LANG_ENGLISH} "Security assistant for the practice"
LangString UN_ASK_DATA ${LANG_ENGLISH} "Also delete gp_guard's data on this computer (audit history, settings, logs)?$\r$\n$\r$\nYour encrypted folders and the keys that open them (the 'vault' folder) are never deleted, nor are your patient files.$\r$\n$\r$\nChoose 'No' to keep them, for instance before reinstalling gp_guard."
LangString UN_KEPT ${LANG_ENGLISH} "gp_guard's data is kept in $LOCALAPPDATA\gp_guard."
LangString UN_VAULT_KEPT ${LANG_ENGLISH} "The keys of your encrypted folders are kept in $LOCALAPPDATA\gp_guard\vault."
