# Vérification du serveur SMTP
error-smtp-host-invalid = Le serveur SMTP doit être un nom d’hôte ou une adresse IP, sans schéma ni port.
error-smtp-host-unresolvable = Le nom du serveur SMTP ne se résout pas.
error-smtp-host-private = Le serveur SMTP est une adresse interne (boucle locale, privée, lien local ou métadonnées). Demandez à l’exploitant de définir FLICKET_SMTP_ALLOW_PRIVATE si c’est voulu.
error-smtp-port = Le port SMTP doit être 25, 465, 587 ou 2525.
