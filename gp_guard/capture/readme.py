"""README.txt of a capture, for the IT provider who sends it: what was collected, what was not,
how to check it before sending. In French and in English, whatever the language of the session
(the one who reads it is not always the one who ran it)."""

from __future__ import annotations

FRENCH = """\
CAPTURE GP_GUARD — À LIRE AVANT D'ENVOYER
=========================================

Ce dossier a été écrit par « gp-guard capture » sur un poste du cabinet ({system}).
Il contient ce que les vérifications de sécurité de gp_guard lisent sur ce poste, et rien
d'autre : {count} fichiers d'enregistrement (.rec), lisibles avec un éditeur de texte.

Ce qui est recueilli
- la sortie exacte des commandes système lancées par les vérifications (code de retour,
  texte produit, encodage), par exemple l'état du pare-feu, du chiffrement du disque, des
  mises à jour, de l'antivirus, des partages ;
- les valeurs du registre lues par les vérifications (avec leur type, ou « absente », ou
  « accès refusé ») ;
- les fichiers de configuration lus (serveur d'imagerie, bases de données, FTP, SSH) ;
- la liste des ports ouverts et des programmes en cours (nom, ligne de commande, compte) ;
- les droits de la session, la version du système, la langue et les pages de code.

Ce qui est remplacé ou masqué avant toute écriture
- le nom du poste devient PC-XXXXXX, les noms d'utilisateur usrXXXXXX, les adresses
  e-mail userXXXXXX@example.invalid (toujours le même pseudonyme pour le même nom) ;
- la partie propre au poste des identifiants de comptes (SID) devient S-1-5-21-1000-1000-1000 ;
- les adresses IP publiques, les adresses MAC et les numéros de série sont remplacés ;
- les mots de passe et empreintes de mots de passe trouvés dans les configurations sont
  masqués (leur présence reste visible) ;
- les mots génériques (secrétariat, cabinet, remplaçant, accueil...) et les accents sont gardés.

Ce qui n'est jamais recueilli
- aucune donnée de patient, aucun document ;
- aucune clé de récupération BitLocker, aucun profil ni mot de passe Wi-Fi ;
- aucune donnée des navigateurs (historique, cookies, mots de passe enregistrés).

Avant d'envoyer
1. Parcourez les fichiers : rien ne doit vous sembler privé. Supprimez le dossier au moindre doute.
2. Le fichier SHA256SUMS donne l'empreinte SHA-256 de chaque fichier ; « sha256sum -c SHA256SUMS »
   (Linux, macOS : « shasum -a 256 -c SHA256SUMS ») vérifie que rien n'a changé.
3. Envoyez l'archive .zip écrite à côté de ce dossier (même nom, suffixe .zip).
Le destinataire la rejoue avec : gp-guard audit --replay <dossier>
"""

ENGLISH = """\
GP_GUARD CAPTURE — READ BEFORE SENDING
======================================

This folder was written by "gp-guard capture" on a computer of the practice ({system}).
It holds what gp_guard's security checks read on this computer and nothing else: {count}
recording files (.rec), readable with a text editor.

What is collected
- the exact output of the system commands the checks run (exit code, text, encoding), for
  example the state of the firewall, disk encryption, updates, antivirus, shares;
- the registry values the checks read (with their type, or "absent", or "access denied");
- the configuration files the checks read (imaging server, databases, FTP, SSH);
- the listening ports and the running programs (name, command line, account);
- the session's rights, the system version, the language and the code pages.

What is replaced or hidden before anything is written
- the computer's name becomes PC-XXXXXX, user names usrXXXXXX, e-mail addresses
  userXXXXXX@example.invalid (always the same pseudonym for the same name);
- the part of account identifiers (SIDs) that belongs to this computer becomes
  S-1-5-21-1000-1000-1000;
- public IP addresses, MAC addresses and serial numbers are replaced;
- passwords and password hashes found in configurations are hidden (that one is there stays
  visible);
- generic account words (secrétariat, cabinet, remplaçant, accueil...) and accents are kept.

What is never collected
- no patient data, no document;
- no BitLocker recovery key, no Wi-Fi profile or password;
- no browser data (history, cookies, saved passwords).

Before sending
1. Look through the files: nothing should look private to you. Delete the folder if in doubt.
2. SHA256SUMS gives the SHA-256 of every file; "sha256sum -c SHA256SUMS" (macOS:
   "shasum -a 256 -c SHA256SUMS") checks that nothing changed.
3. Send the .zip archive written next to this folder (same name, .zip suffix).
The recipient replays it with: gp-guard audit --replay <folder>
"""


def readme_text(count: int, system: str) -> str:
    return FRENCH.format(count=count, system=system) + "\n\n" + ENGLISH.format(count=count, system=system)
