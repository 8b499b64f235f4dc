# Libellés et boutons communs des pages des personnes et de l’administration
field-username = Nom d’utilisateur
field-name = Nom complet
field-email = Adresse e-mail
field-job-title = Fonction
field-locale = Langue
field-current-password = Mot de passe actuel
field-new-password = Nouveau mot de passe
field-password-confirm = Répétez le mot de passe
field-group-name = Nom du groupe
action-save = Enregistrer
action-create = Créer
action-add = Ajouter
action-rename = Renommer
action-remove = Retirer
action-delete = Supprimer
password-rules = De 10 à 128 caractères, sans votre nom d’utilisateur ni votre adresse e-mail, et pas un mot de passe courant. Tous les caractères sont permis, espaces compris.
pager-nav = Pages
pager-prev = Précédente
people-pager-next = Suivante
people-pager-position = Page { $page } sur { $pages }
role-admin = administrateur
role-super-user = super-utilisateur

# Validation
error-password-common = Ce mot de passe fait partie des plus courants. Veuillez en choisir un autre.
error-password-mismatch = Les deux mots de passe sont différents.
error-current-password = Le mot de passe actuel est incorrect.
error-job-title-length = La fonction doit faire au plus 64 caractères.
error-locale-invalid = Veuillez choisir une langue de la liste.
error-username-taken = Ce nom d’utilisateur est déjà pris.
error-email-taken = Cette adresse e-mail est déjà utilisée par un autre compte.
error-avatar-type = L’avatar doit être une image PNG, JPEG, GIF ou WebP.
error-avatar-size = L’avatar doit faire au plus 1 Mio.

# Annuaire et profils
users-title = Utilisateurs
users-search = Rechercher par nom ou nom d’utilisateur
users-search-submit = Rechercher
users-none = Personne ne correspond.
users-posts = Messages : { $count }
users-assigned = Tickets attribués : { $count }
users-posts-label = Tickets et réponses
users-assigned-label = Tickets attribués
users-joined = Inscrit le
users-roles = Rôles
users-state = État
users-enabled = actif
users-disabled = désactivé
users-avatar-of = Avatar de { $name }
users-edit-in-admin = Modifier ce compte dans l’administration

# Mon compte
account-title = Mon compte
account-signed-in-as = Connecté en tant que { $username }
account-view-profile = Voir mon profil
account-profile = Profil
account-digest-opt-out = Ne pas m’envoyer le récapitulatif des tickets en attente
account-current-password-email = Mot de passe actuel (nécessaire seulement pour changer l’adresse e-mail)
account-saved = Votre compte a été enregistré.
account-password = Mot de passe
account-password-change = Changer le mot de passe
account-password-sessions = Le changer vous déconnecte partout ailleurs.
account-password-changed = Votre mot de passe a été changé. Toutes vos autres sessions ont été fermées.
account-avatar = Avatar
account-avatar-current = Votre avatar actuel
account-avatar-file = Fichier image
account-avatar-help = PNG, JPEG, GIF ou WebP, 1 Mio au plus.
account-avatar-upload = Envoyer
account-avatar-remove = Retirer l’avatar
account-avatar-saved = Votre avatar a été enregistré.
account-avatar-removed = Votre avatar a été retiré.

# Réinitialisation du mot de passe
login-forgot = Mot de passe oublié ?
reset-title = Réinitialiser votre mot de passe
reset-intro = Saisissez l’adresse e-mail de votre compte. Si elle correspond à un compte, nous y enverrons un lien pour choisir un nouveau mot de passe.
reset-send = Envoyer le lien
reset-sent = Si un compte utilise cette adresse, un lien pour choisir un nouveau mot de passe lui a été envoyé. Le lien fonctionne une fois, pendant 30 minutes.
reset-back-to-login = Retour à la connexion
reset-new-title = Choisir un nouveau mot de passe
reset-sessions = L’enregistrer vous déconnecte partout.
reset-save = Enregistrer le nouveau mot de passe
reset-invalid = Ce lien ne peut pas être utilisé : il est erroné, a déjà servi, a été remplacé par un plus récent ou a expiré.
reset-ask-again = Demander un nouveau lien
reset-done = Votre mot de passe a été changé. Veuillez vous connecter avec.

# Services et catégories
departments-title = Services
departments-intro = Les tickets sont classés dans un service et l’une de ses catégories. S’il vous faut un nouveau service ou une nouvelle catégorie, demandez à un administrateur ou à un super-utilisateur.
departments-manage-intro = Les tickets sont classés dans un service et l’une de ses catégories. Vous pouvez en ajouter, en renommer et en supprimer ; ce qu’un ticket utilise encore ne peut pas être supprimé.
departments-none = Il n’y a pas encore de service.
departments-no-categories = Aucune catégorie.
departments-new = Nouveau service
departments-name = Nom du service
departments-back = Tous les services
departments-categories = Catégories
departments-category = Catégorie
departments-category-new = Nouvelle catégorie
departments-category-delete = Supprimer la catégorie { $name }
departments-delete = Supprimer le service
departments-tickets = Tickets de ce service : { $count }
departments-created = Le service a été créé.
departments-saved = Enregistré.
departments-deleted = Le service a été supprimé.
departments-deleted-category = La catégorie a été supprimée.
error-department-name-length = Un nom de service doit faire de 2 à 60 caractères.
error-category-name-length = Un nom de catégorie doit faire de 2 à 60 caractères.
error-department-taken = Un service porte déjà ce nom.
error-category-taken = Ce service a déjà une catégorie de ce nom.
error-department-in-use = Ce service ne peut pas être supprimé : des tickets utilisent ses catégories ({ $count }). Déplacez-les ou supprimez-les d’abord.
error-category-in-use = Cette catégorie ne peut pas être supprimée : des tickets l’utilisent ({ $count }). Déplacez-les ou supprimez-les d’abord.
