; Textes français de l'installateur (UTF-8). La langue par défaut.
LangString DESC_SHORTCUT ${LANG_FRENCH} "Assistant de sécurité du cabinet"
LangString UN_ASK_DATA ${LANG_FRENCH} "Supprimer aussi les données de gp_guard sur cet ordinateur (historique des audits, réglages, journaux) ?$\r$\n$\r$\nVos dossiers chiffrés et les clés qui les ouvrent (dossier « vault ») ne sont jamais supprimés, ni vos fichiers de patients.$\r$\n$\r$\nChoisissez « Non » pour les garder, par exemple avant de réinstaller gp_guard."
LangString UN_KEPT ${LANG_FRENCH} "Les données de gp_guard sont conservées dans $LOCALAPPDATA\gp_guard."
LangString UN_VAULT_KEPT ${LANG_FRENCH} "Les clés de vos dossiers chiffrés sont conservées dans $LOCALAPPDATA\gp_guard\vault."
